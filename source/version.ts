/** qpscope's version, as written into every summary.json and test_config.json. */
export const VERSION = '0.1.0';
