import type { MailMessage } from './mail.js'

/** A piece of an email, rendered alike in its plain-text and HTML parts. */
export type EmailBlock =
  | { paragraph: string }
  /** A code or password, set apart. */
  | { highlight: string }
  | { link: { label: string, url: string } }
  /** Rows of cells; the last column is right-aligned (amounts). */
  | { table: string[][] }
  /** Lines kept together (an address). */
  | { lines: string[] }

export interface EmailContent {
  to: string
  subject: string
  blocks: EmailBlock[]
  /** Signs the message off, when given. */
  shopName?: string
}

export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

function blockText (block: EmailBlock): string {
  if ('paragraph' in block) return block.paragraph
  if ('highlight' in block) return block.highlight
  if ('link' in block) return `${block.link.label}: ${block.link.url}`
  if ('lines' in block) return block.lines.join('\n')
  const widths = block.table[0]?.map((_, column) => Math.max(...block.table.map((row) => row[column]?.length ?? 0))) ?? []
  return block.table.map((row) => row.map((cell, column) => column === row.length - 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')
}

function blockHtml (block: EmailBlock): string {
  if ('paragraph' in block) return `<p>${escapeHtml(block.paragraph)}</p>`
  if ('highlight' in block) return `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escapeHtml(block.highlight)}</p>`
  if ('link' in block) return `<p><a href="${escapeHtml(block.link.url)}">${escapeHtml(block.link.label)}</a></p>`
  if ('lines' in block) return `<p>${block.lines.map(escapeHtml).join('<br>')}</p>`
  const rows = block.table.map((row) => `<tr>${row.map((cell, column) => `<td style="padding:4px 8px${column === row.length - 1 ? ';text-align:right' : ''}">${escapeHtml(cell)}</td>`).join('')}</tr>`)
  return `<table style="border-collapse:collapse">${rows.join('')}</table>`
}

/** One message, its text and HTML parts built from the same blocks (every value escaped in the HTML). */
export function composeEmail ({ to, subject, blocks, shopName }: EmailContent): MailMessage {
  const all = shopName === undefined ? blocks : [...blocks, { paragraph: `— ${shopName}` }]
  return {
    to,
    subject,
    text: all.map(blockText).join('\n\n'),
    html: `<!doctype html><html><body>${all.map(blockHtml).join('')}</body></html>`
  }
}
