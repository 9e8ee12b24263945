// Every migration of the customer schema, in order. Add new ones here after review.
export const migrations = [];
