import type { Config } from '../config'
import { requestUrl } from './url'

/** The configured public base URL, else the origin the request was addressed to. */
export function baseUrlOf(config: Pick<Config, 'publicUrl'>, request: Request | URL): string {
	return config.publicUrl ?? (request instanceof URL ? request : requestUrl(request)).origin
}
