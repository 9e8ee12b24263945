import { appContext } from '../testing/fakes';
import { AuditService } from './audit.service';

describe('AuditService', () => {
  it('masks personal values before they are stored, with who and from where', async () => {
    const repository = { insert: jest.fn().mockResolvedValue(undefined) };
    await new AuditService(repository as never).record(
      {
        customerId: 'c',
        institutionId: 'fi-one',
        action: 'profileUpdated',
        changes: [
          { field: 'emailAddress', old: 'jane@example.com', new: 'jd@example.org' },
          { field: 'userStatus', old: 'registered', new: 'active' },
        ],
      },
      appContext,
    );
    expect(repository.insert).toHaveBeenCalledWith([
      expect.objectContaining({
        customerId: 'c',
        actorType: 'client',
        actorId: 'app',
        ipAddress: '203.0.113.7',
        transactionId: appContext.transactionId,
        changes: [
          { field: 'emailAddress', old: 'j***@example.com', new: 'j***@example.org' },
          { field: 'userStatus', old: 'registered', new: 'active' },
        ],
      }),
    ]);
  });
});
