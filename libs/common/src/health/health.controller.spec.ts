import { HealthController } from './health.controller';

describe('HealthController', () => {
  it('reports liveness with the Node.js version the service runs on (Node 24 LTS)', () => {
    const controller = new HealthController(
      ...([undefined, undefined, undefined, undefined] as unknown as ConstructorParameters<
        typeof HealthController
      >),
    );
    const live = controller.live();
    expect(live).toEqual({ status: 'ok', node: process.version });
    expect(live.node).toMatch(/^v24\./);
  });
});
