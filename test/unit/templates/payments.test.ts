import { PAYMENTS_CASES } from './cases-payments'
import { describeHttpRoundTrip, describePresets } from './presets'

describePresets('payments and commerce', PAYMENTS_CASES)
describeHttpRoundTrip('payments and commerce', PAYMENTS_CASES.find((c) => c.slug === 'woocommerce')!)
describeHttpRoundTrip('payments and commerce', PAYMENTS_CASES.find((c) => c.slug === 'chargebee')!)
describeHttpRoundTrip('payments and commerce', PAYMENTS_CASES.find((c) => c.slug === 'brex')!)
describeHttpRoundTrip('payments and commerce', PAYMENTS_CASES.find((c) => c.slug === 'polar')!)
