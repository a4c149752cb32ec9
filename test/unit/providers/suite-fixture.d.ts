// AWS's SigV4 test suite as data (no types ship with it).
declare module '@smithy/signature-v4/dist-es/suite.fixture.js' {
	export const region: string
	export const service: string
	export const credentials: { accessKeyId: string; secretAccessKey: string }
	export const signingDate: Date
	export const requests: unknown[]
}
