// oidc-provider ships no type declarations; the benchmark uses a handful of its options.
declare module 'oidc-provider';
