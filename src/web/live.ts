import { useEffect, useRef, useState } from 'preact/hooks'
import { currentEnv } from './api'

/**
 * The /v1/ws hub's protocol (reference §2.20): the server says `welcome`, the
 * client subscribes to a channel, the server pushes `{type:"event",channel,data}`.
 * A server without the hub refuses the upgrade: the state stays `off` and the
 * page falls back to polling. Reconnects back off up to a minute.
 */
export type LiveState = 'connecting' | 'live' | 'off'

export function useLive(channel: string, onMessage: (data: unknown) => void): LiveState {
	const [state, setState] = useState<LiveState>('connecting')
	const handler = useRef(onMessage)
	handler.current = onMessage
	useEffect(() => {
		let socket: WebSocket | null = null
		let timer: ReturnType<typeof setTimeout> | undefined
		let delay = 2000
		let stopped = false
		const connect = () => {
			const env = currentEnv()
			const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws${env ? `?env_id=${encodeURIComponent(env)}` : ''}`
			try {
				socket = new WebSocket(url)
			} catch {
				setState('off')
				return
			}
			socket.onmessage = (e) => {
				let msg: { type?: string; channel?: string; data?: unknown }
				try {
					msg = JSON.parse(String(e.data))
				} catch {
					return
				}
				if (msg.type === 'welcome') {
					socket?.send(JSON.stringify({ type: 'subscribe', channel }))
					delay = 2000
					setState('live')
				} else if (msg.type === 'error') {
					// bad_channel, forbidden, too_many_subscriptions: polling is the honest fallback.
					setState('off')
					socket?.close()
				} else if (msg.type === 'event' && msg.channel?.startsWith(channel.split(':')[0] as string)) handler.current(msg.data)
			}
			socket.onclose = (e) => {
				setState('off')
				// 4401: the session or key was revoked; reconnecting would only fail again.
				if (stopped || e.code === 4401) return
				timer = setTimeout(connect, delay)
				delay = Math.min(delay * 2, 60000)
			}
		}
		connect()
		return () => {
			stopped = true
			clearTimeout(timer)
			socket?.close()
		}
	}, [channel])
	return state
}

/** Calls `fn` every `ms` while `active`, and when the tab becomes visible again. */
export function usePolling(fn: () => void, ms: number, active: boolean): void {
	const saved = useRef(fn)
	saved.current = fn
	useEffect(() => {
		if (!active) return
		const id = setInterval(() => document.visibilityState === 'visible' && saved.current(), ms)
		return () => clearInterval(id)
	}, [ms, active])
}
