/** Reading the JSON side files of a Hugging Face checkpoint with errors that name the file. */
import { readFile } from "node:fs/promises";
import { CheckpointFormatError } from "./format-error.js";

export type JsonObject = Record<string, unknown>;

/** Parses `path` as a JSON object; a syntax error names the file and the byte offset. */
export async function readJsonObject(path: string): Promise<JsonObject> {
  const text = await readFile(path, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    throw new CheckpointFormatError(path, "JSON", position ? Number(position[1]) : undefined, `is not valid JSON (${message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CheckpointFormatError(path, "JSON", 0, "must hold a JSON object");
  }
  return value as JsonObject;
}

/** Like readJsonObject, but undefined when the file does not exist. */
export async function readOptionalJsonObject(path: string): Promise<JsonObject | undefined> {
  try {
    return await readJsonObject(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
