import t from 'tap'
import { clientKey } from '../../plugins/rate-limit.js'

t.test('per-IP limits count an IPv4 address, or an IPv6 address\'s /64', async (t) => {
  t.equal(clientKey('203.0.113.7'), '203.0.113.7')
  t.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7', 'IPv4-mapped is the IPv4 address')
  t.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
  t.equal(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64', 'any address of the block, however written')
  t.not(clientKey('2001:db8:1:3::1'), clientKey('2001:db8:1:2::1'), 'the next /64 is another client')
  t.equal(clientKey('::1'), '0:0:0:0::/64')
  t.equal(clientKey('not an address'), 'not an address', 'what is not an address is counted as it is')
})
