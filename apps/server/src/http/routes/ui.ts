/** The web UI: GET / (the page) and GET /ui/<file> (its scripts and styles), no CDN, no build step. */
import type { FastifyInstance } from "fastify";
import { uiAsset } from "../../ui/assets.js";
import { notFound } from "../api-error.js";

export function registerUi(app: FastifyInstance): void {
  const page = (name: string) => {
    const asset = uiAsset(name);
    if (!asset) throw new Error(`web UI asset ${name} is missing from this build`);
    return asset;
  };
  app.get("/", async (_request, reply) => {
    const asset = page("index.html");
    return reply.type(asset.contentType).header("cache-control", "no-cache").send(asset.body);
  });
  app.get<{ Params: { name: string } }>("/ui/:name", async (request, reply) => {
    const asset = uiAsset(request.params.name);
    if (!asset) throw notFound("GET", request.url);
    return reply.type(asset.contentType).header("cache-control", "no-cache").send(asset.body);
  });
}
