import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineProject({
    // Nest's decorators: legacy semantics and design:* metadata (TOOLCHAIN §4).
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    test: { name: 'example-nestjs' },
  }),
);
