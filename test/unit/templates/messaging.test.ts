import { MESSAGING_CASES } from './cases-messaging'
import { describeHttpRoundTrip, describePresets } from './presets'

describePresets('e-mail, messaging and automation', MESSAGING_CASES)
describeHttpRoundTrip('e-mail, messaging and automation', MESSAGING_CASES.find((c) => c.slug === 'customer-io')!)
describeHttpRoundTrip('e-mail, messaging and automation', MESSAGING_CASES.find((c) => c.slug === 'brevo')!)
