/**
 * Typed stage configuration: the shape (schema), the values of each stage
 * (stages/), and the rules they must follow (validation). Import from here.
 */
export * from './alarm-setting';
export * from './feed-capacity';
export * from './load';
export * from './schema';
export * from './stage-name';
export * from './stages';
export * from './validation';
