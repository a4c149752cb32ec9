/** The presets added on top of the original 15 that reuse an existing verifier, sorted. */
export const SCHEME_REUSE_PRESETS = [
	'airtable', 'auth0', 'bitbucket', 'brevo', 'brex', 'cal-com', 'chargebee', 'checkr', 'circleci', 'clickup',
	'coinbase-commerce', 'customer-io', 'datadog', 'docusign', 'freshdesk', 'front', 'gitea', 'jira', 'lemon-squeezy', 'mollie',
	'notion', 'onfido', 'openai', 'pagerduty', 'razorpay', 'render', 'replicate', 'segment', 'sentry', 'sparkpost',
	'stytch', 'supabase', 'vercel', 'webflow', 'woocommerce', 'zapier'
] as const
