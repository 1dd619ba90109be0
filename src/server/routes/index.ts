// All routes of the Qdrant REST API that ringvec serves.

import type { FastifyInstance } from 'fastify';
import type { ServerState } from '../server-state.js';
import { registerCollectionRoutes } from './collection-routes.js';
import { registerPointRoutes } from './point-routes.js';
import { registerSearchRoutes } from './search-routes.js';
import { registerServiceRoutes } from './service-routes.js';
import { registerSnapshotRoutes } from './snapshot-routes.js';

export function registerRoutes(app: FastifyInstance, state: ServerState): void {
  registerServiceRoutes(app, state);
  registerCollectionRoutes(app, state);
  registerPointRoutes(app, state);
  registerSnapshotRoutes(app, state);
  registerSearchRoutes(app, state);
}
