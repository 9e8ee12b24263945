// Every migration of the activity schema, in order. Add new ones here after review.
export const migrations = [];
