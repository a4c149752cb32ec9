/**
 * Reading fields out of a raw body for the schemes whose signature travels
 * inside it (Mailgun, Dropbox Sign, Microsoft Graph). Total: bad input is null.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The body as strict UTF-8 text, or null. */
export function bodyText(body: Uint8Array): string | null {
	try {
		return utf8.decode(body)
	} catch {
		return null
	}
}

/** The body parsed as a JSON object (not an array), or null. */
export function jsonObject(text: string | null): Record<string, unknown> | null {
	if (text === null) return null
	try {
		const value: unknown = JSON.parse(text)
		return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
	} catch {
		return null
	}
}

/** `value[key]` when `value` is an object and the entry is a string. */
export function stringAt(value: unknown, key: string): string | null {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
	const inner = (value as Record<string, unknown>)[key]
	return typeof inner === 'string' ? inner : null
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(contentType: string | null): string {
	return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/**
 * One text field of a `multipart/form-data` body. Only what a signature check
 * needs: the named part's bytes as UTF-8, null when absent or ambiguous.
 */
export function multipartField(text: string, contentType: string | null, name: string): string | null {
	const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1]
	if (!boundary) return null
	const found: string[] = []
	for (const part of text.split(`--${boundary}`)) {
		const split = part.indexOf('\r\n\r\n')
		if (split === -1) continue
		const head = part.slice(0, split)
		if (!new RegExp(`^content-disposition:\\s*form-data;[^\\r\\n]*\\bname="${name}"`, 'im').test(head)) continue
		found.push(part.slice(split + 4).replace(/\r\n$/, ''))
	}
	return found.length === 1 ? (found[0] ?? null) : null
}
