/**
 * The bundled provider templates. Each JSON file is imported statically so
 * `bun build --compile` embeds it, and checked against the `Template` schema
 * when this module loads: a broken template stops startup instead of
 * surfacing as a source that can never verify.
 */
import { Value } from '@sinclair/typebox/value'
import { HANDSHAKE_KINDS, isHandshakeKind } from '../handshakes/types'
import { VERIFICATION_TYPES } from '../verify/types'
import { Template } from './model'
import asana from './asana.json'
import awsSns from './aws-sns.json'
import box from './box.json'
import calendly from './calendly.json'
import clerk from './clerk.json'
import cloudinary from './cloudinary.json'
import custom from './custom.json'
import discord from './discord.json'
import dropbox from './dropbox.json'
import dropboxSign from './dropbox-sign.json'
import github from './github.json'
import gitlab from './gitlab.json'
import hubspot from './hubspot.json'
import intercom from './intercom.json'
import linear from './linear.json'
import mailgun from './mailgun.json'
import mandrill from './mandrill.json'
import meta from './meta.json'
import microsoftGraph from './microsoft-graph.json'
import monday from './monday.json'
import mux from './mux.json'
import netlify from './netlify.json'
import okta from './okta.json'
import paddle from './paddle.json'
import persona from './persona.json'
import plaid from './plaid.json'
import postmark from './postmark.json'
import recurly from './recurly.json'
import resend from './resend.json'
import sanity from './sanity.json'
import sendgrid from './sendgrid.json'
import shopify from './shopify.json'
import slack from './slack.json'
import square from './square.json'
import strapi from './strapi.json'
import stripe from './stripe.json'
import svix from './svix.json'
import telegram from './telegram.json'
import trello from './trello.json'
import twilio from './twilio.json'
import twitch from './twitch.json'
import twitter from './twitter.json'
import typeform from './typeform.json'
import workos from './workos.json'
import xendit from './xendit.json'
import zoom from './zoom.json'

const FILES: Record<string, unknown> = {
	asana, 'aws-sns': awsSns, box, calendly, clerk, cloudinary, custom, discord, dropbox, 'dropbox-sign': dropboxSign, github,
	gitlab, hubspot, intercom, linear, mailgun, mandrill, meta, 'microsoft-graph': microsoftGraph, monday, mux,
	netlify, okta, paddle, persona, plaid, postmark, recurly, resend, sanity, sendgrid, shopify, slack, square,
	strapi, stripe, svix, telegram, trello, twilio, twitch, twitter, typeform, workos, xendit, zoom
}

/**
 * Validates one template's data as loaded from `<file>.json`; throws an Error
 * naming the file and the offending path. Exported for tests.
 */
export function checkTemplate(file: string, data: unknown): Template {
	if (!Value.Check(Template, data)) {
		const first = Value.Errors(Template, data).First()
		const where = first ? `${first.path || '/'}: ${first.message}` : 'does not match the Template schema'
		throw new Error(`src/templates/${file}.json is invalid at ${where}`)
	}
	if (data.slug !== file) throw new Error(`src/templates/${file}.json is invalid at /slug: expected '${file}', got '${data.slug}'`)
	const type = data.verification_type
	if (type !== null && !(VERIFICATION_TYPES as readonly string[]).includes(type)) {
		throw new Error(`src/templates/${file}.json is invalid at /verification_type: '${type}' is not one of ${VERIFICATION_TYPES.join(', ')}`)
	}
	if (data.handshake !== null && !isHandshakeKind(data.handshake)) {
		throw new Error(`src/templates/${file}.json is invalid at /handshake: '${data.handshake}' is not one of ${HANDSHAKE_KINDS.join(', ')}`)
	}
	// Frozen so a caller merging defaults into a new source cannot mutate the shared copy.
	return deepFreeze(structuredClone(data))
}

function deepFreeze<T>(value: T): T {
	if (typeof value === 'object' && value !== null) {
		for (const inner of Object.values(value)) deepFreeze(inner)
		Object.freeze(value)
	}
	return value
}

const TEMPLATES: readonly Template[] = Object.entries(FILES)
	.map(([file, data]) => checkTemplate(file, data))
	.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))

const BY_SLUG = new Map(TEMPLATES.map((t) => [t.slug, t]))

/** Every bundled template, sorted by slug. */
export function listTemplates(): Template[] {
	return [...TEMPLATES]
}

/** The template for `slug`, or undefined when none is bundled under that name. */
export function getTemplate(slug: string): Template | undefined {
	return BY_SLUG.get(slug)
}
