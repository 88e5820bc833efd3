export function readPackageList(file: string): string[];
