export async function compareHtml(_r: unknown): Promise<string> { throw new Error('todo'); }
