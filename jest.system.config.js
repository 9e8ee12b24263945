/**
 * `npm run test:system`: tests that need programs besides Node and npm (nginx for the gateway;
 * .ci/run installs them first). Same setup as `npm test` (jest.config.js), other files only.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/system/**/*.system-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
