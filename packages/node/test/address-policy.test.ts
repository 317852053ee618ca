import { describe, expect, it } from 'vitest';
import { type AddressClass, classifyAddress, isAddressAllowed } from '../src/index.js';

const cases: readonly (readonly [address: string, cls: AddressClass])[] = [
  // IPv4 public
  ['93.184.216.34', 'public'],
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['169.253.255.255', 'public'],
  ['192.169.0.1', 'public'],
  ['223.255.255.255', 'public'],
  // loopback
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['127.1.2.3', 'loopback'],
  // private, incl. CGNAT
  ['10.0.0.5', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['100.127.255.255', 'private'],
  // link-local, incl. cloud metadata
  ['169.254.169.254', 'link_local'],
  ['169.254.0.1', 'link_local'],
  // unspecified / this network
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  // multicast, broadcast
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  // documentation and reserved
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['192.0.0.8', 'reserved'],
  ['192.88.99.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  // IPv6 public (global unicast)
  ['2606:4700:4700::1111', 'public'],
  ['2001:4860:4860::8888', 'public'],
  ['2a00:1450:4001:81b::200e', 'public'],
  // IPv6 special
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fec0::1', 'private'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf:ffff::1', 'link_local'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001::1', 'reserved'], // Teredo
  ['2001:2::1', 'reserved'], // benchmarking
  ['100::1', 'reserved'], // discard
  ['64:ff9b:1::1', 'reserved'],
  ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible
  ['::ffff:0:7f00:1', 'reserved'], // IPv4-translated
  ['4000::1', 'reserved'], // outside 2000::/3
  ['1::1', 'reserved'],
  // IPv4-mapped IPv6: judged by the IPv4 address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
  ['::FFFF:7F00:1', 'loopback'],
  ['::ffff:10.0.0.5', 'private'],
  ['::ffff:a00:5', 'private'],
  ['::ffff:169.254.169.254', 'link_local'],
  ['::ffff:a9fe:a9fe', 'link_local'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::ffff:c0a8:101', 'private'],
  ['::ffff:255.255.255.255', 'broadcast'],
  ['::ffff:224.0.0.1', 'multicast'],
  ['::ffff:93.184.216.34', 'public'],
  // NAT64 and 6to4 reach the embedded IPv4 address
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:ff9b::169.254.169.254', 'link_local'],
  ['64:ff9b::5db8:d822', 'public'],
  ['2002:7f00:1::1', 'loopback'],
  ['2002:a9fe:a9fe::1', 'link_local'],
  ['2002:5db8:d822::1', 'public'],
  // brackets as in URLs
  ['[::1]', 'loopback'],
  ['[2606:4700:4700::1111]', 'public'],
  // not IP literals
  ['', 'invalid'],
  ['localhost', 'invalid'],
  ['example.com', 'invalid'],
  ['127.0.0.1.', 'invalid'],
  ['256.0.0.1', 'invalid'],
  ['1.2.3', 'invalid'],
  ['0x7f.0.0.1', 'invalid'],
  ['2130706433', 'invalid'],
  ['::ffff:999.0.0.1', 'invalid'],
  ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ['1::2::3', 'invalid'],
  ['gggg::1', 'invalid'],
];

describe('classifyAddress', () => {
  it.each(cases)('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
});

describe('isAddressAllowed', () => {
  it.each(cases)('%s (%s) follows the default policy', (address, cls) => {
    expect(isAddressAllowed(address)).toBe(cls === 'public');
  });

  it.each([
    ['127.0.0.1', { allowLoopback: true }, true],
    ['::1', { allowLoopback: true }, true],
    ['::ffff:7f00:1', { allowLoopback: true }, true],
    ['127.0.0.1', { allowPrivate: true }, false],
    ['10.0.0.5', { allowPrivate: true }, true],
    ['fd00::1', { allowPrivate: true }, true],
    ['100.64.0.1', { allowPrivate: true }, true],
    ['10.0.0.5', { allowLoopback: true }, false],
    // never admitted, whatever the policy
    ['169.254.169.254', { allowLoopback: true, allowPrivate: true }, false],
    ['::ffff:169.254.169.254', { allowLoopback: true, allowPrivate: true }, false],
    ['fe80::1', { allowLoopback: true, allowPrivate: true }, false],
    ['0.0.0.0', { allowLoopback: true, allowPrivate: true }, false],
    ['::', { allowLoopback: true, allowPrivate: true }, false],
    ['255.255.255.255', { allowLoopback: true, allowPrivate: true }, false],
    ['224.0.0.1', { allowLoopback: true, allowPrivate: true }, false],
    ['192.0.2.1', { allowLoopback: true, allowPrivate: true }, false],
    ['example.com', { allowLoopback: true, allowPrivate: true }, false],
  ] as const)('%s with %o → %s', (address, policy, allowed) => {
    expect(isAddressAllowed(address, policy)).toBe(allowed);
  });
});
