export const handler = async (event, context) => {
  const name = (event && event.name) || "world";
  return {
    message: `Hello, ${name}!`,
    function: context.functionName,
    version: context.functionVersion,
  };
};
