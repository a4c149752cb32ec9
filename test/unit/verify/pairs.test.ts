import { describe, expect, it } from 'bun:test'
import { forEachPair, parsePairs } from '../../../src/verify/util'

/** The definition forEachPair keeps: the items `split` cuts, each at its first `=` when a key precedes it. */
function bySplit(header: string, separator: string): [string, string][] {
	const pairs: [string, string][] = []
	for (const item of header.split(separator)) {
		const at = item.indexOf('=')
		if (at > 0) pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()])
	}
	return pairs
}

const HEADERS = [
	'',
	't=1492774577,v1=abc,v1=def',
	't=1,,v1=2',
	',t=1,',
	'=x,t=1',
	'noequals,t=1',
	't=1,v1=YWJj==',
	' t = 1 , v1 = a ',
	'a=b=c',
	'ts=1;h1=aa;h1=bb',
	'k=v; k2=v2;  k3 = v3 ',
	'x',
	'=',
	',,,'
]

describe('forEachPair (Stripe-family and Paddle signature headers)', () => {
	it('gives the pairs a split of the header gives, in order, for every separator', () => {
		for (const header of HEADERS) {
			for (const separator of [',', ';', '; ', '=', 'v1']) {
				const seen: [string, string][] = []
				const expected = bySplit(header, separator)
				forEachPair(header, separator, (k, v) => seen.push([k, v]))
				expect([header, separator, seen]).toEqual([header, separator, expected])
				expect(parsePairs(header, separator)).toEqual(expected)
			}
		}
	})

	it('cuts random headers of separators, equals signs and letters the same way', () => {
		const alphabet = [',', ';', '=', ' ', 'a', 'b', 't', '1']
		// Overlapping and `=`-holding separators too: `split` decides where every item starts.
		const separators = [',', ', ', ';', 'aa', '==', '=a', 'a=', ',,', '=']
		let seed = 7
		const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
		for (let i = 0; i < 5000; i++) {
			const header = Array.from({ length: Math.floor(next() * 16) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('')
			const separator = separators[Math.floor(next() * separators.length)] as string
			const seen: [string, string][] = []
			forEachPair(header, separator, (k, v) => seen.push([k, v]))
			expect([header, separator, seen]).toEqual([header, separator, bySplit(header, separator)])
		}
	})

	it('finds no pair with an empty separator (split cuts between characters), and returns', () => {
		for (const header of HEADERS) expect(parsePairs(header, '')).toEqual(bySplit(header, ''))
	})
})
