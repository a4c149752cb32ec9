import { createServer, type Server } from 'node:net'

export interface Mail { from: string; to: string[]; data: string; auth: string | null }

/** A local SMTP server that accepts every message and keeps it (a real socket, a real dialogue). */
export class SmtpSink {
	readonly mails: Mail[] = []
	readonly server: Server
	constructor(opts: { rejectRcpt?: boolean } = {}) {
		this.server = createServer((socket) => {
			let buffer = ''
			let inData = false
			let mail: Mail = { from: '', to: [], data: '', auth: null }
			socket.write('220 sink ESMTP\r\n')
			socket.on('data', (chunk) => {
				buffer += chunk.toString('utf8')
				for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
					const line = buffer.slice(0, i)
					buffer = buffer.slice(i + 2)
					if (inData) {
						if (line === '.') {
							inData = false
							this.mails.push(mail)
							mail = { from: '', to: [], data: '', auth: null }
							socket.write('250 queued\r\n')
						} else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`
						continue
					}
					const cmd = line.slice(0, 4).toUpperCase()
					if (cmd === 'EHLO') socket.write('250-sink\r\n250 AUTH PLAIN\r\n')
					else if (cmd === 'AUTH') {
						mail.auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8')
						socket.write('235 ok\r\n')
					} else if (cmd === 'MAIL') {
						mail.from = /<(.*)>/.exec(line)?.[1] ?? ''
						socket.write('250 ok\r\n')
					} else if (cmd === 'RCPT') {
						if (opts.rejectRcpt) socket.write('550 no such user\r\n')
						else {
							mail.to.push(/<(.*)>/.exec(line)?.[1] ?? '')
							socket.write('250 ok\r\n')
						}
					} else if (cmd === 'DATA') {
						inData = true
						socket.write('354 go ahead\r\n')
					} else if (cmd === 'QUIT') {
						socket.end('221 bye\r\n')
					} else socket.write('502 unknown\r\n')
				}
			})
			socket.on('error', () => {})
		})
	}
	listen(): Promise<number> {
		return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)))
	}
	close(): Promise<void> {
		return new Promise((resolve) => this.server.close(() => resolve()))
	}
}
