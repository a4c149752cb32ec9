import { DEV_CASES } from './cases-dev'
import { describeHttpRoundTrips, describePresets } from './presets'

describePresets('source control, CI/CD and cloud', DEV_CASES)
describeHttpRoundTrips('source control, CI/CD and cloud', DEV_CASES)
