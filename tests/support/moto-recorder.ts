/** moto's request recorder: what the functions asked of the emulator, in order. */
export async function startRecording(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });
  await fetch(`${endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
}

/** The SMS messages published through SNS since recording started. */
export async function recordedSms(endpoint: string): Promise<{ phone: string; text: string }[]> {
  const log = await (await fetch(`${endpoint}/moto-api/recorder/download-recording`)).text();
  const messages: { phone: string; text: string }[] = [];
  for (const line of log.split('\n').filter(Boolean)) {
    const entry = JSON.parse(line) as { headers: Record<string, string>; body?: string };
    const body = Buffer.from(entry.body ?? '', 'base64').toString('utf8');
    const target = entry.headers['X-Amz-Target'] ?? entry.headers['x-amz-target'] ?? '';
    if (target.endsWith('.Publish')) {
      const parsed = JSON.parse(body) as { PhoneNumber?: string; Message?: string };
      if (parsed.PhoneNumber)
        messages.push({ phone: parsed.PhoneNumber, text: parsed.Message ?? '' });
      continue;
    }
    const form = new URLSearchParams(body);
    if (form.get('Action') === 'Publish' && form.get('PhoneNumber')) {
      messages.push({ phone: form.get('PhoneNumber') ?? '', text: form.get('Message') ?? '' });
    }
  }
  return messages;
}
