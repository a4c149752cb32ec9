import { WORKSPACE_CASES } from './cases-workspace'
import { describeHttpRoundTrip, describePresets } from './presets'

describePresets('productivity, scheduling, e-signature and identity', WORKSPACE_CASES)
describeHttpRoundTrip('productivity, scheduling, e-signature and identity', WORKSPACE_CASES.find((c) => c.slug === 'webflow')!)
describeHttpRoundTrip('productivity, scheduling, e-signature and identity', WORKSPACE_CASES.find((c) => c.slug === 'airtable')!)
