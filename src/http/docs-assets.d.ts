// The API docs UI files, embedded with `with { type: 'file' }`: the import is the file's path (in the compiled binary, inside it).
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
	const path: string
	export default path
}
declare module 'swagger-ui-dist/swagger-ui.css' {
	const path: string
	export default path
}
