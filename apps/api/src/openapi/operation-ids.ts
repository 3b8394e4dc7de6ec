/**
 * `accountsLink`, `tokensToken`…: short, unique ids that read well as generated method names, instead of Nest's
 * `AccountsController_link`. An id given in @ApiOperation wins.
 */
export const operationIdFactory = (controllerKey: string, methodKey: string) => {
  const base = controllerKey.replace(/Controller$/, '');
  return `${base[0].toLowerCase()}${base.slice(1)}${methodKey[0].toUpperCase()}${methodKey.slice(1)}`;
};
