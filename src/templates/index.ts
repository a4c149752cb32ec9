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
import airtable from './airtable.json'
import alchemy from './alchemy.json'
import asana from './asana.json'
import attio from './attio.json'
import auth0 from './auth0.json'
import awsSns from './aws-sns.json'
import azureDevops from './azure-devops.json'
import bigcommerce from './bigcommerce.json'
import bitbucket from './bitbucket.json'
import box from './box.json'
import brevo from './brevo.json'
import brex from './brex.json'
import calCom from './cal-com.json'
import calendly from './calendly.json'
import chargebee from './chargebee.json'
import checkr from './checkr.json'
import circleci from './circleci.json'
import clerk from './clerk.json'
import clickup from './clickup.json'
import cloudinary from './cloudinary.json'
import coinbaseCommerce from './coinbase-commerce.json'
import contentful from './contentful.json'
import custom from './custom.json'
import customerIo from './customer-io.json'
import datadog from './datadog.json'
import datocms from './datocms.json'
import discord from './discord.json'
import docusign from './docusign.json'
import dropbox from './dropbox.json'
import dropboxSign from './dropbox-sign.json'
import frameIo from './frame-io.json'
import freshdesk from './freshdesk.json'
import front from './front.json'
import gitea from './gitea.json'
import github from './github.json'
import gitlab from './gitlab.json'
import gocardless from './gocardless.json'
import helpScout from './help-scout.json'
import heroku from './heroku.json'
import hubspot from './hubspot.json'
import incidentIo from './incident-io.json'
import intercom from './intercom.json'
import jira from './jira.json'
import launchdarkly from './launchdarkly.json'
import lemonSqueezy from './lemon-squeezy.json'
import linear from './linear.json'
import mailersend from './mailersend.json'
import mailgun from './mailgun.json'
import mailjet from './mailjet.json'
import make from './make.json'
import mandrill from './mandrill.json'
import meta from './meta.json'
import microsoftGraph from './microsoft-graph.json'
import mollie from './mollie.json'
import monday from './monday.json'
import mux from './mux.json'
import netlify from './netlify.json'
import notion from './notion.json'
import okta from './okta.json'
import onfido from './onfido.json'
import openai from './openai.json'
import paddle from './paddle.json'
import pagerduty from './pagerduty.json'
import paystack from './paystack.json'
import persona from './persona.json'
import pipedrive from './pipedrive.json'
import plaid from './plaid.json'
import polar from './polar.json'
import postmark from './postmark.json'
import pusher from './pusher.json'
import razorpay from './razorpay.json'
import recurly from './recurly.json'
import render from './render.json'
import replicate from './replicate.json'
import resend from './resend.json'
import revolut from './revolut.json'
import sanity from './sanity.json'
import segment from './segment.json'
import sendgrid from './sendgrid.json'
import sentry from './sentry.json'
import shopify from './shopify.json'
import shortcut from './shortcut.json'
import slack from './slack.json'
import sonarqube from './sonarqube.json'
import sparkpost from './sparkpost.json'
import square from './square.json'
import storyblok from './storyblok.json'
import strapi from './strapi.json'
import stripe from './stripe.json'
import stytch from './stytch.json'
import supabase from './supabase.json'
import svix from './svix.json'
import tally from './tally.json'
import telegram from './telegram.json'
import terraformCloud from './terraform-cloud.json'
import todoist from './todoist.json'
import trello from './trello.json'
import twilio from './twilio.json'
import twitch from './twitch.json'
import twitter from './twitter.json'
import typeform from './typeform.json'
import vercel from './vercel.json'
import veriff from './veriff.json'
import webflow from './webflow.json'
import woocommerce from './woocommerce.json'
import workos from './workos.json'
import xendit from './xendit.json'
import zapier from './zapier.json'
import zoom from './zoom.json'

const FILES: Record<string, unknown> = {
	airtable, alchemy, asana, attio, auth0, 'aws-sns': awsSns, 'azure-devops': azureDevops, bigcommerce,
	bitbucket, box, brevo, brex, 'cal-com': calCom, calendly, chargebee, checkr, circleci, clerk, clickup,
	cloudinary, 'coinbase-commerce': coinbaseCommerce, contentful, custom, 'customer-io': customerIo, datadog,
	datocms, discord, docusign, dropbox, 'dropbox-sign': dropboxSign, 'frame-io': frameIo, freshdesk, front,
	gitea, github, gitlab, gocardless, 'help-scout': helpScout, heroku, hubspot, 'incident-io': incidentIo,
	intercom, jira, launchdarkly, 'lemon-squeezy': lemonSqueezy, linear, mailersend, mailgun, mailjet, make,
	mandrill, meta, 'microsoft-graph': microsoftGraph, mollie, monday, mux, netlify, notion, okta, onfido,
	openai, paddle, pagerduty, paystack, persona, pipedrive, plaid, polar, postmark, pusher, razorpay, recurly,
	render, replicate, resend, revolut, sanity, segment, sendgrid, sentry, shopify, shortcut, slack, sonarqube,
	sparkpost, square, storyblok, strapi, stripe, stytch, supabase, svix, tally, telegram,
	'terraform-cloud': terraformCloud, todoist, trello, twilio, twitch, twitter, typeform, vercel, veriff,
	webflow, woocommerce, workos, xendit, zapier, zoom
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
