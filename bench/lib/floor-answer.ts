/** What the reference servers answer an ingest request: the JSON shape hookstream answers, with fixed ids. */
export const FLOOR_ANSWER = JSON.stringify({ event_id: 'evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b', source_id: 'src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b' })
