/** credkit's version, printed by `credkit --version`. */
export const VERSION = "0.1.0";
