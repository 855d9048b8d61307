// Two tiny Lambda deployment packages (zip archives of index.py), of different sizes.

/** index.py: def handler(event, context): return event */
export const zipV1 = Buffer.from(
  "UEsDBBQAAAAAAJNafl20CHBpLgAAAC4AAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4gZXZlbnQKUEsBAhQDFAAAAAAAk1p+XbQIcGkuAAAALgAAAAgAAAAAAAAAAAAAAIABAAAAAGluZGV4LnB5UEsFBgAAAAABAAEANgAAAFQAAAAAAA==",
  "base64"
)
/** index.py: def handler(event, context): return {"v": 2} */
export const zipV2 = Buffer.from(
  "UEsDBBQAAAAAAJNafl0xKu9LMQAAADEAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJ2IjogMn0KUEsBAhQDFAAAAAAAk1p+XTEq70sxAAAAMQAAAAgAAAAAAAAAAAAAAIABAAAAAGluZGV4LnB5UEsFBgAAAAABAAEANgAAAFcAAAAAAA==",
  "base64"
)
