import { WORKSPACE_CASES } from './cases-workspace'
import { describeHttpRoundTrips, describePresets } from './presets'

describePresets('productivity, scheduling, e-signature and identity', WORKSPACE_CASES)
describeHttpRoundTrips('productivity, scheduling, e-signature and identity', WORKSPACE_CASES)
