import { clientScenarios } from './client-scenarios.js';
import { tempSqlite, tempStore } from './fixtures.js';

clientScenarios('an in-memory datastore', tempStore);
clientScenarios('sqlite', tempSqlite);
