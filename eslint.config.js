import sieve from "@sieve/eslint-config";

export default sieve;
