import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// The adapter runs from its source; dedupe makes its `@nestjs/*` imports resolve from this
// package, where NestJS 11 is installed, instead of from packages/nestjs (NestJS 12).
const nest = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
];

export default mergeConfig(
  shared,
  defineProject({
    resolve: { dedupe: nest },
    ssr: { resolve: { conditions: ['@aauth-gate/source'] }, noExternal: ['@aauth-gate/nestjs'] },
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    test: { name: 'nestjs-11' },
  }),
);
