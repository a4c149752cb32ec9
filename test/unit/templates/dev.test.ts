import { DEV_CASES } from './cases-dev'
import { describeHttpRoundTrip, describePresets } from './presets'

describePresets('source control, CI/CD and cloud', DEV_CASES)
describeHttpRoundTrip('source control, CI/CD and cloud', DEV_CASES.find((c) => c.slug === 'circleci')!)
describeHttpRoundTrip('source control, CI/CD and cloud', DEV_CASES.find((c) => c.slug === 'openai')!)
