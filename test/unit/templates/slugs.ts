/** The presets added on top of the original 15 that reuse an existing verifier, sorted. */
export const SCHEME_REUSE_PRESETS = [
	'airtable', 'alchemy', 'auth0', 'azure-devops', 'bitbucket', 'brevo', 'brex', 'cal-com', 'chargebee', 'checkr',
	'circleci', 'clickup', 'coinbase-commerce', 'customer-io', 'datadog', 'docusign', 'frame-io', 'freshdesk', 'front',
	'gitea', 'gocardless', 'help-scout', 'heroku', 'incident-io', 'jira', 'launchdarkly', 'lemon-squeezy', 'mailersend',
	'mailjet', 'make', 'mollie', 'notion', 'onfido', 'openai', 'pagerduty', 'paystack', 'pipedrive', 'pusher',
	'razorpay', 'render', 'replicate', 'revolut', 'segment', 'sentry', 'shortcut', 'sonarqube', 'sparkpost',
	'storyblok', 'stytch', 'supabase', 'tally', 'terraform-cloud', 'todoist', 'vercel', 'veriff', 'webflow',
	'woocommerce', 'zapier'
] as const
