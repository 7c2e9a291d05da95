// Every message the WASM core can fail with, in one place. They reach JS through
// `abort(message, file, line, column)`, which the loader (src/wasm/core.ts) turns into a
// ProfileFormatError (decoding) or an Error (building). Keep them one line and specific.

export const E_BAD_VARINT = "bad varint";
export const E_TRUNCATED = "truncated message";
export const E_BAD_WIRE_TYPE = "bad wire type";
export const E_WRONG_WIRE_TYPE = "wrong wire type";
export const E_NEGATIVE_LENGTH = "negative length";
export const E_BAD_LOCATION_ID = "sample references unknown location id";
export const E_BAD_LABEL_SET = "sample references unknown label set";
export const E_BAD_FUNCTION_ID = "location line references unknown function id";
export const E_BAD_MAPPING_ID = "location references unknown mapping id";
export const E_BAD_STRING = "string index out of range";
export const E_BAD_RECORD = "batch record runs past the end of the batch";
export const E_NOT_INITIALISED = "builder not initialised";
