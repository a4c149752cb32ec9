import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'

export interface SmtpTarget { host: string; port: number; secure: boolean; user: string | null; pass: string | null; from: string }

/** `smtp://[user:pass@]host[:port][?from=addr]` (587 default) or `smtps://` (implicit TLS, 465 default). */
export function parseSmtpUrl(raw: string): SmtpTarget {
	const url = new URL(raw)
	if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('--smtp-url must start with smtp:// or smtps://')
	const secure = url.protocol === 'smtps:'
	return {
		host: url.hostname, port: url.port ? Number(url.port) : secure ? 465 : 587, secure,
		user: url.username ? decodeURIComponent(url.username) : null, pass: url.password ? decodeURIComponent(url.password) : null,
		from: url.searchParams.get('from') ?? `hookstream@${url.hostname}`
	}
}

/** Replies, read line by line; a reply ends at a line whose 4th character is a space. */
class ReplyReader {
	#buffer = ''
	#waiting: ((reply: string) => void) | null = null
	#failed: Error | null = null
	constructor(socket: Socket) {
		socket.setEncoding('utf8')
		socket.on('data', (chunk: string) => {
			this.#buffer += chunk
			this.#drain()
		})
		socket.on('error', (err) => {
			this.#failed = err
			this.#waiting?.('')
		})
	}
	#drain() {
		const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.#buffer)
		if (!m || !this.#waiting) return
		const end = m.index + m[0].length
		const reply = this.#buffer.slice(0, end)
		this.#buffer = this.#buffer.slice(end)
		const w = this.#waiting
		this.#waiting = null
		w(reply)
	}
	next(): Promise<string> {
		return new Promise((resolve, reject) => {
			if (this.#failed) return reject(this.#failed)
			this.#waiting = (r) => (this.#failed ? reject(this.#failed) : resolve(r))
			this.#drain()
		})
	}
}

/** Dot-stuffing and CRLF line ends for DATA. */
function dataOf(text: string): string {
	return `${text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.\r\n`
}

/**
 * One plain-text mail over SMTP (EHLO, optional AUTH PLAIN, MAIL, RCPT, DATA).
 * Enough for alert mail to a relay; no library ships inside the binary for it.
 */
export async function sendMail(target: SmtpTarget, mail: { to: string[]; subject: string; text: string }, timeoutMs = 10_000): Promise<void> {
	const socket = target.secure ? tlsConnect({ host: target.host, port: target.port, servername: target.host }) : netConnect({ host: target.host, port: target.port })
	socket.setTimeout(timeoutMs, () => socket.destroy(new Error('SMTP timeout')))
	const replies = new ReplyReader(socket)
	const expect = async (codes: string[], what: string) => {
		const reply = await replies.next()
		if (!codes.includes(reply.slice(0, 3))) throw new Error(`SMTP ${what} refused: ${reply.trim().split('\r\n').at(-1)}`)
	}
	const send = (line: string) => socket.write(`${line}\r\n`)
	try {
		await expect(['220'], 'greeting')
		send('EHLO hookstream')
		await expect(['250'], 'EHLO')
		if (target.user !== null) {
			send(`AUTH PLAIN ${Buffer.from(`\0${target.user}\0${target.pass ?? ''}`).toString('base64')}`)
			await expect(['235'], 'AUTH')
		}
		send(`MAIL FROM:<${target.from}>`)
		await expect(['250'], 'MAIL FROM')
		for (const to of mail.to) {
			send(`RCPT TO:<${to}>`)
			await expect(['250', '251'], 'RCPT TO')
		}
		send('DATA')
		await expect(['354'], 'DATA')
		const headers = [`From: ${target.from}`, `To: ${mail.to.join(', ')}`, `Subject: ${mail.subject.replace(/[\r\n]+/g, ' ')}`, `Date: ${new Date().toUTCString()}`,
			'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit']
		socket.write(dataOf(`${headers.join('\n')}\n\n${mail.text}`))
		await expect(['250'], 'message')
		send('QUIT')
	} finally {
		socket.end()
	}
}
