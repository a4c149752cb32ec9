/**
 * The bundled provider templates. Each JSON file is imported statically so
 * `bun build --compile` embeds it, and checked against the `Template` schema
 * when this module loads: a broken template stops startup instead of
 * surfacing as a source that can never verify.
 */
import { Value } from '@sinclair/typebox/value'
import { VERIFICATION_TYPES } from '../verify/types'
import { Template } from './model'
import clerk from './clerk.json'
import custom from './custom.json'
import github from './github.json'
import intercom from './intercom.json'
import linear from './linear.json'
import paddle from './paddle.json'
import postmark from './postmark.json'
import resend from './resend.json'
import sendgrid from './sendgrid.json'
import shopify from './shopify.json'
import slack from './slack.json'
import stripe from './stripe.json'
import svix from './svix.json'
import twilio from './twilio.json'
import typeform from './typeform.json'
// Presets that reuse an existing scheme (generic HMAC, Standard Webhooks, Basic auth).
import airtable from './airtable.json'
import alchemy from './alchemy.json'
import attio from './attio.json'
import auth0 from './auth0.json'
import azureDevops from './azure-devops.json'
import bigcommerce from './bigcommerce.json'
import bitbucket from './bitbucket.json'
import brevo from './brevo.json'
import brex from './brex.json'
import calCom from './cal-com.json'
import chargebee from './chargebee.json'
import checkr from './checkr.json'
import circleci from './circleci.json'
import clickup from './clickup.json'
import coinbaseCommerce from './coinbase-commerce.json'
import contentful from './contentful.json'
import customerIo from './customer-io.json'
import datadog from './datadog.json'
import datocms from './datocms.json'
import docusign from './docusign.json'
import frameIo from './frame-io.json'
import freshdesk from './freshdesk.json'
import front from './front.json'
import gitea from './gitea.json'
import gocardless from './gocardless.json'
import helpScout from './help-scout.json'
import heroku from './heroku.json'
import incidentIo from './incident-io.json'
import jira from './jira.json'
import launchdarkly from './launchdarkly.json'
import lemonSqueezy from './lemon-squeezy.json'
import mailersend from './mailersend.json'
import mailjet from './mailjet.json'
import make from './make.json'
import mollie from './mollie.json'
import notion from './notion.json'
import onfido from './onfido.json'
import openai from './openai.json'
import pagerduty from './pagerduty.json'
import paystack from './paystack.json'
import pipedrive from './pipedrive.json'
import polar from './polar.json'
import pusher from './pusher.json'
import razorpay from './razorpay.json'
import render from './render.json'
import replicate from './replicate.json'
import revolut from './revolut.json'
import segment from './segment.json'
import sentry from './sentry.json'
import shortcut from './shortcut.json'
import sonarqube from './sonarqube.json'
import sparkpost from './sparkpost.json'
import storyblok from './storyblok.json'
import stytch from './stytch.json'
import supabase from './supabase.json'
import tally from './tally.json'
import terraformCloud from './terraform-cloud.json'
import todoist from './todoist.json'
import vercel from './vercel.json'
import veriff from './veriff.json'
import webflow from './webflow.json'
import woocommerce from './woocommerce.json'
import zapier from './zapier.json'

const FILES: Record<string, unknown> = {
	clerk, custom, github, intercom, linear, paddle, postmark, resend,
	sendgrid, shopify, slack, stripe, svix, twilio, typeform,
	airtable, alchemy, attio, auth0, 'azure-devops': azureDevops, bigcommerce, bitbucket, brevo, brex,
	'cal-com': calCom, chargebee, checkr, circleci, clickup, 'coinbase-commerce': coinbaseCommerce, contentful,
	'customer-io': customerIo, datadog, datocms, docusign, 'frame-io': frameIo, freshdesk, front, gitea,
	gocardless, 'help-scout': helpScout, heroku, 'incident-io': incidentIo, jira, launchdarkly,
	'lemon-squeezy': lemonSqueezy, mailersend, mailjet, make, mollie, notion, onfido, openai, pagerduty, paystack,
	pipedrive, polar, pusher, razorpay, render, replicate, revolut, segment, sentry, shortcut, sonarqube,
	sparkpost, storyblok, stytch, supabase, tally, 'terraform-cloud': terraformCloud, todoist, vercel, veriff,
	webflow, woocommerce, zapier
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
