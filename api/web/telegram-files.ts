// A file someone sent the bot (a top-up's proof photo), fetched from the Bot API for an admin's
// page: getFile, then the download. The bot's token stays on the server.
import type { Config } from '#src/config.ts';
import { DomainError } from '#src/shared/errors.ts';

/** Telegram's own limit for bot downloads. */
const MAX_BYTES = 20 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

export async function telegramFile(
  config: Pick<Config, 'TELEGRAM_BOT_TOKEN' | 'BOT_API_ROOT'>,
  fileId: string,
): Promise<{ body: Uint8Array<ArrayBuffer>; contentType: string }> {
  if (!config.TELEGRAM_BOT_TOKEN) throw new DomainError('proof_required', 'no bot is configured, so the photo cannot be fetched');
  const root = `${config.BOT_API_ROOT}`;
  const token = config.TELEGRAM_BOT_TOKEN;
  // A network failure throws: the page answers 500 and the image can be reloaded.
  const info = await fetch(`${root}/bot${token}/getFile?file_id=${encodeURIComponent(fileId)}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const parsed = (await info.json()) as { ok?: boolean; result?: { file_path?: string; file_size?: number } };
  const filePath = parsed.result?.file_path;
  if (!parsed.ok || !filePath || (parsed.result?.file_size ?? 0) > MAX_BYTES) throw new DomainError('proof_required', 'Telegram no longer has this photo');
  const download = await fetch(`${root}/file/bot${token}/${filePath.split('/').map(encodeURIComponent).join('/')}`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!download.ok) throw new DomainError('proof_required', 'Telegram no longer has this photo');
  const body = new Uint8Array(await download.arrayBuffer());
  const contentType = filePath.endsWith('.png') ? 'image/png' : filePath.endsWith('.webp') ? 'image/webp' : 'image/jpeg';
  return { body, contentType };
}
