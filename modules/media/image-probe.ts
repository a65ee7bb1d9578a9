import { fileTypeFromBuffer } from 'file-type'
import { imageSize } from 'image-size'

/** How many bytes of a file are read to tell what it is and how large it is (JPEG headers can run long). */
export const PROBE_BYTES = 256 * 1024

export interface ImageFacts {
  contentType: string
  width: number
  height: number
}

/**
 * What a file's first bytes say it is: its real type from its magic numbers (never from its name or the
 * declared type, so an HTML or SVG file labelled image/png is not an image), and its dimensions.
 * Undefined when it is not an image we can read.
 */
export async function probeImage (start: Buffer): Promise<ImageFacts | undefined> {
  const type = await fileTypeFromBuffer(start)
  if (type === undefined) return undefined
  try {
    const { width, height } = imageSize(start)
    if (width === undefined || height === undefined || width < 1 || height < 1) return undefined
    return { contentType: type.mime, width, height }
  } catch {
    return undefined
  }
}
