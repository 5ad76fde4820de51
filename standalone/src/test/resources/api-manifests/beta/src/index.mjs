export const handler = async () => "beta";
