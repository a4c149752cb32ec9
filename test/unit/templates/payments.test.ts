import { PAYMENTS_CASES } from './cases-payments'
import { describeHttpRoundTrips, describePresets } from './presets'

describePresets('payments and commerce', PAYMENTS_CASES)
describeHttpRoundTrips('payments and commerce', PAYMENTS_CASES)
