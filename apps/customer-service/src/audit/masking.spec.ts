import { maskAddress, maskEmail, maskField, maskPhone } from './masking';

describe('audit masking', () => {
  it('keeps enough to recognise a value, not to read it', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('broken')).toBe('***');
    expect(maskPhone('+12025550143')).toBe('***0143');
    expect(
      maskAddress({
        address1: '100 Main Street',
        address2: 'Apt 4',
        city: 'Springfield',
        state: 'IL',
        postalCode: '62701',
        country: 'US',
      }),
    ).toEqual({
      address1: '1***',
      address2: 'A***',
      city: 'Springfield',
      state: 'IL',
      postalCode: '627**',
      country: 'US',
    });
  });

  it('masks by field name, passing other fields through', () => {
    expect(maskField('ssn', '6780')).toBe('***-**-6780');
    expect(maskField('birthDate', '1990-04-17')).toBe('1990-**-**');
    expect(maskField('userStatus', 'active')).toBe('active');
    expect(maskField('emailAddress', null)).toBeNull();
  });
});
