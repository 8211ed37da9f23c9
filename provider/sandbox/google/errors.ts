import type { Response } from "express";

/** Writes an error body in the shape of Google's JSON APIs. */
export function sendGoogleError(res: Response, code: number, message: string, reason: string, extra: Record<string, string> = {}): void {
  res.status(code).json({
    error: { code, message, errors: [{ message, domain: "global", reason, ...extra }] },
  });
}
