import {
  type KeyDocsDto,
  type OpenApiDocumentDto,
  type TryItResultDto,
  testClientTokenSchema,
} from '@gatehouse/shared';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { idParam, validate } from '../../lib/validate';
import type { AppEnv, SignedInEnv } from '../../types';
import { publicError, runCall } from '../../webservice/call';
import { requireCap, requireUser } from '../auth/guards';
import { serviceFunctionNames } from '../services/service-capabilities';
import { loadService } from '../services/services.service';
import {
  adminDocs,
  keyDocs,
  openApiDocuments,
  openApiFilename,
  ownKeyForDocs,
  serviceCatalogueFunctions,
} from './docs.service';
import { markdownText } from './markdown';
import { buildOpenApi } from './openapi';
import { testClientToken } from './test-client-token';

export const tryItSchema = z
  .object({
    keyId: z.number({ message: 'Choose one of your keys' }).int().positive(),
    function: z.string().min(1, 'Choose a function').max(200),
    args: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

function sendOpenApi(c: Context, doc: OpenApiDocumentDto, filename: string) {
  if (c.req.query('download')) c.header('Content-Disposition', `attachment; filename="${filename}"`);
  return c.json(doc, 200);
}

/**
 * Site administration > Plugins > Web services > API documentation, and the OpenAPI documents.
 * GET /openapi is the OpenAPI documents page: what may be downloaded, with links (names stay
 * JSON strings). In a document, info.title is plain text and info.description CommonMark, where
 * a name is escaped to stay text.
 */
export function docsRoutes(deps: Deps) {
  const guard = requireCap(deps, 'moodle/site:config');
  return new Hono<AppEnv>()
    .get('/functions', guard, (c) => c.json(adminDocs(deps, deps.env.wwwroot), 200))
    .get('/openapi', guard, async (c) => c.json(await openApiDocuments(deps), 200))
    .get('/openapi.json', guard, (c) =>
      sendOpenApi(
        c,
        buildOpenApi({
          title: 'Gatehouse web services: all functions',
          description: 'Every function of the catalogue over the REST protocol.',
          baseUrl: deps.env.wwwroot,
          functions: deps.catalogue.all,
          files: { download: true, upload: true },
        }),
        openApiFilename(null),
      ),
    )
    .get('/openapi/services/:id', guard, validate('param', idParam), async (c) => {
      const s = await loadService(deps, c.req.valid('param').id);
      return sendOpenApi(
        c,
        buildOpenApi({
          title: `Gatehouse web services: ${s.name}`,
          description: `The functions of the service ${markdownText(s.name)} (${markdownText(s.shortname)}).`,
          baseUrl: deps.env.wwwroot,
          functions: await serviceCatalogueFunctions(deps, s.id),
          files: { download: s.downloadFiles, upload: s.uploadFiles },
        }),
        openApiFilename(s.shortname),
      );
    })
    .post('/test-client/token', guard, validate('json', testClientTokenSchema), async (c) =>
      c.json(await testClientToken(deps, c.req.valid('json').token), 200),
    )
    .post('/try', requireUser, validate('json', tryItSchema), async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const outcome = await runCall(deps, {
        protocol: 'rest',
        token: { id: body.keyId, ownerId: user.id },
        functionName: body.function,
        args: body.args,
        ip: c.get('actor').ip,
        reqId: c.var.reqId,
      });
      return c.json(
        (outcome.ok
          ? { ok: true as const, response: outcome.value }
          : { ok: false as const, response: publicError(deps, outcome.error) }) satisfies TryItResultDto,
        200,
      );
    });
}

/** Preferences > Security keys > Documentation: only the key's owner, only when documentation is enabled. */
export function keyDocsRoutes(deps: Deps) {
  const ownKey = (c: Context<AppEnv & SignedInEnv>, id: number) => ownKeyForDocs(deps, c.get('user').id, id);
  return new Hono<AppEnv>()
    .use(requireUser)
    .get('/:id/docs', validate('param', idParam), async (c) => {
      const { key, service: s } = await ownKey(c, c.req.valid('param').id);
      return c.json(
        {
          key,
          service: { id: s.id, name: s.name, shortname: s.shortname },
          ...keyDocs(deps, deps.env.wwwroot, await serviceFunctionNames(deps.store.db, s.id)),
        } satisfies KeyDocsDto,
        200,
      );
    })
    .get('/:id/openapi.json', validate('param', idParam), async (c) => {
      const { service: s } = await ownKey(c, c.req.valid('param').id);
      return sendOpenApi(
        c,
        buildOpenApi({
          title: `Gatehouse web services: ${s.name}`,
          description: `The functions your key for ${markdownText(s.name)} can call.`,
          baseUrl: deps.env.wwwroot,
          functions: await serviceCatalogueFunctions(deps, s.id),
          files: { download: s.downloadFiles, upload: s.uploadFiles },
        }),
        openApiFilename(s.shortname),
      );
    });
}
