import { MESSAGING_CASES } from './cases-messaging'
import { describeHttpRoundTrips, describePresets } from './presets'

describePresets('e-mail, messaging and automation', MESSAGING_CASES)
describeHttpRoundTrips('e-mail, messaging and automation', MESSAGING_CASES)
