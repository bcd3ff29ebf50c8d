// Every entity, listed once; the DataSource and the migration generator both read this list.
export const ENTITIES: Function[] = [];
