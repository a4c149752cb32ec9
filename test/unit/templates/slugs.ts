/** The presets added on top of the original 15 that reuse an existing verifier, sorted. */
export const SCHEME_REUSE_PRESETS = [
	'airtable', 'alchemy', 'attio', 'auth0', 'azure-devops', 'bigcommerce', 'bitbucket', 'brevo', 'brex', 'cal-com',
	'chargebee', 'checkr', 'circleci', 'clickup', 'coinbase-commerce', 'contentful', 'customer-io', 'datadog',
	'datocms', 'docusign', 'frame-io', 'freshdesk', 'front', 'gitea', 'gocardless', 'help-scout', 'heroku',
	'incident-io', 'jira', 'launchdarkly', 'lemon-squeezy', 'mailersend', 'mailjet', 'make', 'mollie', 'notion',
	'onfido', 'openai', 'pagerduty', 'paystack', 'pipedrive', 'polar', 'pusher', 'razorpay', 'render', 'replicate',
	'revolut', 'segment', 'sentry', 'shortcut', 'sonarqube', 'sparkpost', 'storyblok', 'stytch', 'supabase', 'tally',
	'terraform-cloud', 'todoist', 'vercel', 'veriff', 'webflow', 'woocommerce', 'zapier'
] as const
